"""Correcting a document's labels (topic, target group, setting, evidence): the staff's choice
per family replaces the rules' for good (recrawls keep it), is indexed at once and audited.

    >>> correct(services, editor, 42, {"target": ["jugendliche"], "setting": []})
    ['setting', 'target']  # the families that changed
"""

from __future__ import annotations

from kb.labels import FAMILIES, Classifier
from kb.viewer import Viewer
from ops.errors import InvalidError, NotFoundError
from ops.services import Services


def vocabulary() -> dict[str, list[str]]:
    """Every family's labels, in the order of the labels' data file."""
    known = Classifier.default().vocabulary
    return {family: known.names(family) for family in FAMILIES}


def correct(
    services: Services, actor: Viewer, doc_id: int, chosen: dict[str, list[str]]
) -> list[str]:
    """Set the labels of the families in ``chosen`` where they differ from the document's;
    returns those families. Unknown families or labels are refused (`InvalidError`)."""
    known = vocabulary()
    problems = [
        f"{family}: unknown label {label!r}" if family in known else f"unknown family {family!r}"
        for family, labels in chosen.items()
        for label in (labels if family in known else [""])
        if family not in known or label not in known[family]
    ]
    if problems:
        raise InvalidError(*problems)
    store = services.store
    doc = store.document(doc_id)
    if doc is None:
        raise NotFoundError("document", str(doc_id))
    changed = sorted(f for f, labels in chosen.items() if set(labels) != set(doc.labels[f]))
    for family in changed:
        store.correct_labels(doc_id, family, chosen[family])
    if changed:
        services.sync()
        corrected = {f: chosen[f] for f in changed}
        services.audit(actor, "labels.correct", f"document {doc_id}", labels=corrected)
    return changed
