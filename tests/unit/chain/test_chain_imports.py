"""Tests for the public import paths of microcosm_pubsub.chain."""
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import microcosm_pubsub


REPO_ROOT = str(Path(microcosm_pubsub.__file__).resolve().parent.parent)

PUBLIC_NAMES = {
    "microcosm_pubsub.chain": [
        "Chain", "binds", "extracts", "assign", "assign_constant", "assign_function", "call",
        "extract", "for_each", "switch", "try_chain", "when",
    ],
    "microcosm_pubsub.chain.chain": ["Chain"],
    "microcosm_pubsub.chain.context": ["CONTEXT", "SafeContext", "ScopedSafeContext"],
    "microcosm_pubsub.chain.decorators": ["extracts", "binds", "to_function", "EXTRACTS", "BINDS"],
    "microcosm_pubsub.chain.context_decorators": [
        "get_from_context", "temporarily_replace_context_keys", "save_to_context",
        "save_to_context_by_func_name", "get_positional_args", "DEFAULT_ASSIGNED", "EXTRACT_PREFIX",
    ],
    "microcosm_pubsub.chain.exceptions": ["AttributeNotFound", "ContextKeyNotFound"],
    "microcosm_pubsub.chain.statements": [
        "assign", "assign_constant", "assign_function", "extract", "call", "for_each", "switch",
        "try_chain", "when",
    ],
    "microcosm_pubsub.chain.statements.assign": [
        "assign", "assign_constant", "assign_function", "extract", "AssignStatement", "Reference",
        "Constant", "Function",
    ],
    "microcosm_pubsub.chain.statements.call": ["call", "LocalCallWrapper"],
    "microcosm_pubsub.chain.statements.case": ["CaseStatement"],
    "microcosm_pubsub.chain.statements.for_each": ["for_each", "ForEachStatement", "yes", "not_none"],
    "microcosm_pubsub.chain.statements.switch": ["switch", "SwitchStatement"],
    "microcosm_pubsub.chain.statements.try_chain": ["try_chain", "TryChainStatement"],
    "microcosm_pubsub.chain.statements.when": ["when", "WhenStatement"],
}


def run_python(code):
    """Run `code` in a fresh interpreter with the repository importable and return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": REPO_ROOT},
    )
    return result.stdout.strip()


def test_public_names_importable():
    """Every documented name is importable from its documented module."""
    missing = [
        f"{module}.{name}"
        for module, names in PUBLIC_NAMES.items()
        for name in names
        if not hasattr(import_module(module), name)
    ]
    assert missing == []


def test_any_submodule_can_be_imported_first():
    """Each module imports cleanly in a fresh interpreter, whichever comes first."""
    for module in PUBLIC_NAMES:
        assert run_python(f"import {module}; print('ok')") == "ok"


def test_chain_package_needs_only_the_standard_library():
    """Importing the chain package loads no third-party module."""
    code = (
        "import sys; before = set(sys.modules); import microcosm_pubsub.chain; "
        "roots = {name.split('.')[0] for name in set(sys.modules) - before}; "
        "print(sorted(roots - set(sys.stdlib_module_names) - {'microcosm_pubsub'}))"
    )
    assert run_python(code) == "[]"


def test_exceptions_are_not_lookup_errors():
    """Both chain exceptions derive directly from Exception."""
    exceptions = import_module("microcosm_pubsub.chain.exceptions")
    for error in (exceptions.AttributeNotFound, exceptions.ContextKeyNotFound):
        assert error.__bases__ == (Exception,)
