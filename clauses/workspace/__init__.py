"""Workspace folders (SPEC §3): creating a workspace, the shared drop folder, the archive."""
