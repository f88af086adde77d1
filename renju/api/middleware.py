"""Compress the map data (a city's open problems are megabytes of JSON) and nothing else.

Pages carry CSRF tokens next to user input, where compression would open them to BREACH; the map endpoints carry
neither, so only they are compressed.
"""

from django.middleware.gzip import GZipMiddleware

COMPRESSED_PREFIXES = ("/api/v1/map/",)


class MapGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not request.path.startswith(COMPRESSED_PREFIXES):
            return response
        return super().process_response(request, response)
