"""Pages of the inspector role."""

urlpatterns: list = []
