"""Services are the only write path: no admin, API view, serializer, workbench view or task
writes on its own. Read from the source, so a new door that forgets is caught at once."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOORS = sorted(
    [*ROOT.glob("apps/*/admin.py"), *ROOT.glob("apps/*/api/*.py"), *ROOT.glob("apps/*/tasks.py")]
    + [p for p in ROOT.glob("apps/workbench/**/*.py") if "migrations" not in p.parts]
)
WRITE_METHODS = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
QUERYSET_HINTS = {"objects", "filter", "exclude", "all", "select_for_update", "_base_manager"}
SERVICE_RECEIVERS = {"writes", "writes_for", "services"}  # calling a service is the point


def _chain_names(node) -> set[str]:
    """Attribute and call names along a receiver chain (``Model.objects.filter(...).update``)."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.add(node.id)
            return names


def _writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        receiver = _chain_names(node.func.value)
        commit_false = any(
            k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in node.keywords
        )
        if (method == "save" and commit_false) or receiver & SERVICE_RECEIVERS:
            continue
        if method in WRITE_METHODS or (method in {"create", "update"} and receiver & QUERYSET_HINTS):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{method}()")
    return found


@pytest.mark.parametrize("door", DOORS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_door_writes_except_through_a_service(door):
    assert _writes(door) == []


def test_the_base_admin_and_viewset_write_through_services():
    from apps.core.admin import ScopedModelAdmin
    from apps.core.api.viewsets import ScopedViewSetMixin

    for name in ("save_model", "delete_model", "delete_queryset", "save_formset", "save_related"):
        assert name in ScopedModelAdmin.__dict__, name
    for name in ("perform_create", "perform_update", "perform_destroy"):
        assert name in ScopedViewSetMixin.__dict__, name
