"""Score: the rules' arithmetic, pure and without I/O: course results (R1–R10), the stamp
(R9), the spot-test draw (R7) and rankings (R8)."""
