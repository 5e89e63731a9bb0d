"""The bundled plugins: the story extractors and the email and webhook notifiers.

They are ordinary plugins, loaded through the `monitor.plugins` entry point
group, and use only the public surface (`monitor`, `monitor.text`).
"""
