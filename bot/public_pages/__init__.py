"""The static pages of 一公开 as templates (string.Template, ``$name``), their style and script:
read by bot/services/disclosure_pages.py, which fills them with escaped catalogue texts and
inlines the style, the script and the data, so that a page needs no other file to work."""
