"""The engines a comparison run evaluates its indicator SQL on: DuckDB in-process (the default) or Apache
Spark (PySpark; local mode unless `SPARK_MASTER` / `JIUZHU_SPARK_MASTER` names a cluster).

Both take the same inputs (Arrow tables of the registry snapshot, Parquet files of the feeds) under the same
view names and run the same SQL text (rules_sql.py writes only the dialect both understand); results come
back as Arrow. The engine is chosen by the Django setting `JIUZHU_MONITORING_ENGINE` ("duckdb" | "spark")
or per run."""

# ruff: noqa: S608 - SQL from view names of rules_sources and feed paths checked to hold no quote
import os
from pathlib import Path

import duckdb
import pyarrow as pa
from django.conf import settings

ENGINES = ("duckdb", "spark")


def default_engine() -> str:
    name = getattr(settings, "JIUZHU_MONITORING_ENGINE", "") or os.environ.get("JIUZHU_MONITORING_ENGINE", "")
    return name if name in ENGINES else "duckdb"


def _quote_path(path: Path | str) -> str:
    text = str(path)
    if "'" in text:
        raise ValueError(f"unexpected quote in feed path {text!r}")
    return "'" + text + "'"


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, *, threads: int | None = None):
        self.duck = duckdb.connect()
        if threads:
            self.duck.execute(f"SET threads = {int(threads)}")
        self._keep: list = []

    def register_table(self, name: str, table: pa.Table) -> None:
        self._keep.append(table)
        self.duck.register(name, table)

    def register_parquet(self, name: str, files: list[tuple[Path, int | None]], empty: pa.Schema) -> None:
        """A feed view: every stored file of the kind, each row carrying its batch's region id."""
        if not files:
            self.register_table(name, empty.empty_table())
            return
        parts = [f"SELECT *, CAST({int(region) if region else 'NULL'} AS BIGINT) AS batch_region_id "
                 f"FROM read_parquet({_quote_path(path)})" for path, region in files]
        self.duck.execute(f"CREATE OR REPLACE VIEW {name} AS " + " UNION ALL BY NAME ".join(parts))

    def sql(self, text: str) -> pa.Table:
        return self.duck.sql(text).to_arrow_table()

    def run(self, plan) -> pa.Table:
        """A rules_sql.Plan: each stage a temporary table (the joins after an aggregation are planned on its
        true row count: a feed's millions of subjects probe the registry's tables instead of being hashed
        themselves), an aggregation dropped once the stage after it has read it."""
        made = []
        for name, select in plan.stages:
            self.duck.execute(f"CREATE TEMPORARY TABLE {name} AS {select}")
            made.append(name)
            if name.startswith("s") and f"a{name[1:]}" in made:
                self.duck.execute(f"DROP TABLE a{name[1:]}")
        return self.sql(plan.final)

    def close(self) -> None:
        self.duck.close()


_SPARK = None


def spark_session():
    """One local SparkSession per process (tests share it; starting one costs seconds)."""
    global _SPARK
    if _SPARK is None:
        from pyspark.sql import SparkSession

        master = os.environ.get("JIUZHU_SPARK_MASTER", "local[2]")
        _SPARK = (SparkSession.builder.master(master).appName("jiuzhu-monitoring")
                  .config("spark.sql.shuffle.partitions", "4")
                  .config("spark.ui.enabled", "false")
                  .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                  # small local jobs: the JVM's quick compiler only starts much faster on a busy machine
                  .config("spark.driver.extraJavaOptions",
                          os.environ.get("JIUZHU_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"))
                  .config("spark.ui.showConsoleProgress", "false")
                  .config("spark.sql.session.timeZone", "UTC")
                  .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                  .config("spark.driver.memory", os.environ.get("JIUZHU_SPARK_DRIVER_MEMORY", "2g"))
                  .getOrCreate())
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


class SparkEngine:
    name = "spark"

    def __init__(self):
        self.spark = spark_session()
        self._views: list[str] = []
        self._cached: list = []

    def register_table(self, name: str, table: pa.Table) -> None:
        frame = self.spark.createDataFrame(table) if table.num_rows else self.spark.createDataFrame(
            [], schema=_spark_schema(table.schema))
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def register_parquet(self, name: str, files: list[tuple[Path, int | None]], empty: pa.Schema) -> None:
        if not files:
            self.register_table(name, empty.empty_table())
            return
        from pyspark.sql import functions as F

        frame = None
        for path, region in files:
            part = self.spark.read.parquet(str(path)).withColumn(
                "batch_region_id", F.lit(int(region) if region else None).cast("bigint"))
            frame = part if frame is None else frame.unionByName(part, allowMissingColumns=True)
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def sql(self, text: str) -> pa.Table:
        return self.spark.sql(text).toArrow()

    def run(self, plan) -> pa.Table:
        """A rules_sql.Plan: each stage a temporary view; the per-source subject stages (read by every rule
        of the source) cached, so Spark aggregates a feed once instead of once per rule."""
        for name, select in plan.stages:
            frame = self.spark.sql(select)
            if name.startswith("s"):
                frame = frame.cache()
                self._cached.append(frame)
            frame.createOrReplaceTempView(name)
            self._views.append(name)
        return self.sql(plan.final)

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        for name in self._views:
            self.spark.catalog.dropTempView(name)


def _spark_schema(schema: pa.Schema):
    from pyspark.sql import types as T

    kinds = {pa.int64(): T.LongType(), pa.int32(): T.IntegerType(), pa.float64(): T.DoubleType(),
             pa.string(): T.StringType(), pa.date32(): T.DateType(), pa.bool_(): T.BooleanType()}
    return T.StructType([T.StructField(f.name, kinds.get(f.type, T.StringType()), True) for f in schema])


def make_engine(name: str | None = None):
    name = name or default_engine()
    if name == "spark":
        return SparkEngine()
    if name == "duckdb":
        return DuckDBEngine()
    raise ValueError(f"unknown engine {name!r}")
