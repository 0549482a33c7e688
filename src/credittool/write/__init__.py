"""Write: the output workbooks and the publication, atomic and printable."""
