"""The chat app: the Gradio page, the shared bot behind it, citations as HTML, example questions."""
