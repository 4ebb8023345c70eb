"""Device drivers. Each device is a package with a protocol (bytes in, messages out), a transport
that owns the thread and the port, a supervisor that publishes on the kiosk's event channel with
the shared status vocabulary (``common.device_status``), a simulator, and a technician CLI
(``python -m drivers.<device>``)."""
