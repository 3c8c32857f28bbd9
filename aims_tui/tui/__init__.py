"""The Textual app. Imported only when the app opens."""
