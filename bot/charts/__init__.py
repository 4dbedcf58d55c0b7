"""Pictures for the chat: the completion chart (completion.py) drawn with Pillow in a font that
really draws Chinese (fonts.py). Rendering only; the numbers come from bot/services/statistics."""
