"""aftercare: branded, personalised aftercare sheets from a clinic's markdown policies."""

from generator.render import weasyprint_patches

__version__ = "0.1.0"

# Whatever imports WeasyPrint first (a renderer, the layout digest, a test), it finds its C
# declarations parsed once and cached (render/weasyprint_ffi.py): about 0.4 s less for a cold
# start. Nothing is imported or done until WeasyPrint is.
weasyprint_patches.before_import()
