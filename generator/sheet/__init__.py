"""The sheet as plain data: a policy, a clinic and a patient turned into the view model the
templates lay out (`model`), the dated phases and month grid (`schedule`), the QR code of the
online page (`qr`), and the writing system of a typed name (`name_scripts`).

Imports content and the base modules; never render, record, parallel, commands or web."""
