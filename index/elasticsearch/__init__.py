"""The Elasticsearch index backend: the same listings and query semantics as the embedded one."""

from index.elasticsearch.connection import BackendUnavailableError
from index.elasticsearch.es_index import ElasticsearchIndex

__all__ = ["BackendUnavailableError", "ElasticsearchIndex"]
