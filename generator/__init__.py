"""aftercare: branded, personalised aftercare sheets from a clinic's markdown policies."""

from generator.render import weasyprint_ffi

__version__ = "0.1.0"

# Whatever imports WeasyPrint first (a renderer, the layout digest, a test), its C declarations
# come from the cache parsed once (generator/render/weasyprint_ffi.py): a cold start saves
# about 0.4 s. Installing costs nothing until WeasyPrint is imported.
weasyprint_ffi.install()
