"""The two KuaiRec studies: each reads its analysis mart, runs the estimator library and returns
its effect tables (written to DuckDB by the pipeline)."""
