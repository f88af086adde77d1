"""Pages of the handler role."""

urlpatterns: list = []
