"""interviewer: an offline-first mock interviewer for Machine Learning Engineer interviews."""

__version__ = "0.1.0"
