"""aims: an ISO/IEC 42001 AI Management System register in the terminal."""

__version__ = "0.1.0"
