"""Pages of the leader role."""

urlpatterns: list = []
