"""Package data: the sample reports (reports/*.txt)."""
