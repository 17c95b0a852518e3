"""The operations of the service, one layer that both shells call: the web (``web``) and the
command line (``cli``) parse input, call one operation and render its result.

Validation, permissions, side effects (re-applying the catalogue, syncing the index and the
facts of calls and events, the audit log) happen here once, whoever asks. The layer imports
``kb``, ``crawler`` and ``index``; never ``web`` or ``cli``.
"""
