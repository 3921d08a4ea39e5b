"""aftercare: branded, personalised aftercare sheets from a clinic's markdown policies."""

__version__ = "0.1.0"
