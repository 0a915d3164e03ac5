"""The version of selfreflect (one place: the package, reports and provenance read it)."""

__version__ = "0.1.0"
