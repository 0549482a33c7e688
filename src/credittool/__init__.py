"""credittool: continuing-education credit bookkeeping (学时/学分登记)."""

__version__ = "0.1.0"
