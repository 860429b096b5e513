"""Not part of the sample project: keeps the repository's own test run from collecting it.

``tests/plugin_project`` is a small outside-user project (no conftest of its own) that
``tests/test_plugin.py`` copies, without this file, into a fresh directory and runs with
``pytester``; some of its tests fail on purpose, to show the plugin's failure output.
"""

collect_ignore_glob = ["*.py"]
