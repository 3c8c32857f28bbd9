"""Small modal dialogs (ModalScreen[T])."""
