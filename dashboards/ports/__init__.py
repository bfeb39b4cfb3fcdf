"""What the dashboard needs from the app package, as protocols: the app package
(`armswatch.dashboard_services`) supplies the implementations, so the dashboard never imports it."""
