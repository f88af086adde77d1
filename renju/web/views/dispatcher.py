"""Pages of the dispatcher role."""

urlpatterns: list = []
