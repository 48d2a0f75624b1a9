-- The NDJSON event stream (`bottleneck analyze --format ndjson`, `bottleneck tail --format ndjson`)
-- as one wide table: every event type in one row shape, columns of other types NULL. Explicit
-- types, so that a column that is NULL in a whole file, or a ratio written as 1, loads with the
-- right type. Event schema version: the `v` column (EventSchema.version).
--
-- DuckDB (tested by Tests/BottleneckCoreTests/EventsSQLTests.swift):
--   duckdb events.db < docs/events.sql            -- runs the DuckDB part below
--   COPY events FROM 'events.ndjson' (FORMAT json);
--
-- ClickHouse: the second part (JSONEachRow input: `clickhouse-client --query "INSERT INTO events
-- FORMAT JSONEachRow" < events.ndjson` with input_format_skip_unknown_fields = 1).

-- ---------------------------------------------------------------- DuckDB
CREATE TABLE IF NOT EXISTS events (
    v INTEGER NOT NULL,                 -- event schema version
    event VARCHAR NOT NULL,             -- slowOperation | oomKill | oomNoKill (a report without a kill) | server
    ts TIMESTAMPTZ,                     -- UTC instant; NULL when the log gave none
    file VARCHAR,
    line BIGINT,
    format VARCHAR,                     -- logv2 | legacy | kernel
    host VARCHAR,                       -- attributed host (server, slow operations) or the kernel line's host
    -- slowOperation
    severity VARCHAR, component VARCHAR, ctx VARCHAR, conn BIGINT, "type" VARCHAR,
    ns VARCHAR, operation VARCHAR, command VARCHAR, writeStatement BOOLEAN,
    shape VARCHAR, shapeId VARCHAR, planSummary VARCHAR, plan VARCHAR, "index" VARCHAR,
    durationMs BIGINT, keysExamined BIGINT, docsExamined BIGINT, nreturned BIGINT,
    nMatched BIGINT, nModified BIGINT, ninserted BIGINT, ndeleted BIGINT, numYields BIGINT,
    reslen BIGINT, writeConflicts BIGINT, planningTimeMicros BIGINT, cpuNanos BIGINT,
    workingMillis BIGINT, lockWaitMicros BIGINT, lockHeldMicros BIGINT, storageBytesRead BIGINT,
    storageTimeReadingMicros BIGINT, queryHash VARCHAR, planCacheShapeHash VARCHAR,
    planCacheKey VARCHAR, queryShapeHash VARCHAR, queryFramework VARCHAR, appName VARCHAR,
    remote VARCHAR, protocol VARCHAR, hasSortStage BOOLEAN, usedDisk BOOLEAN,
    fromMultiPlanner BOOLEAN, replanned BOOLEAN, truncated BOOLEAN, errName VARCHAR,
    errCode BIGINT, role VARCHAR,       -- primary | secondary | other
    -- oomKill
    uptime DOUBLE, pid BIGINT, process VARCHAR, uid BIGINT, totalVmKB BIGINT, anonRssKB BIGINT,
    fileRssKB BIGINT, shmemRssKB BIGINT, pgtablesKB BIGINT, oomScoreAdj BIGINT,
    "constraint" VARCHAR, oomMemcg VARCHAR, taskMemcg VARCHAR, containerId VARCHAR, podUid VARCHAR,
    memcgUsageKB BIGINT, memcgLimitKB BIGINT, memcgFailcnt BIGINT, invoker VARCHAR,
    gfpMask VARCHAR, "order" BIGINT, kernelVersion VARCHAR, reaper VARCHAR,
    largestTasks STRUCT(pid BIGINT, name VARCHAR, rssKB BIGINT)[],
    transport VARCHAR, timeSource VARCHAR, invokerPid BIGINT, invokerOomScoreAdj BIGINT,
    nodemask VARCHAR, cpuset VARCHAR, memsAllowed VARCHAR, constraintInferred BOOLEAN,
    containerRuntime VARCHAR, swapUsageKB BIGINT, swapLimitKB BIGINT, memswUsageKB BIGINT,
    memswLimitKB BIGINT, kmemUsageKB BIGINT, usageRatio DOUBLE, chosenPid BIGINT,
    chosenProcess VARCHAR, score BIGINT, oomGroup VARCHAR, headerSeen BOOLEAN,
    killLineSeen BOOLEAN, restartJob VARCHAR, restartDelayMs BIGINT,
    -- server
    kind VARCHAR,                       -- startup | options | stateChange
    replicaSet VARCHAR, newState VARCHAR, oldState VARCHAR
);

-- ---------------------------------------------------------------- ClickHouse
-- CREATE TABLE IF NOT EXISTS events (
--     v UInt16, event LowCardinality(String), ts Nullable(DateTime64(3, 'UTC')), file String,
--     line Nullable(Int64), format LowCardinality(String), host Nullable(String),
--     severity Nullable(String), component Nullable(String), ctx Nullable(String), conn Nullable(Int64),
--     type Nullable(String), ns Nullable(String), operation Nullable(String), command Nullable(String),
--     writeStatement Nullable(Bool), shape Nullable(String), shapeId Nullable(String),
--     planSummary Nullable(String), plan Nullable(String), index Nullable(String),
--     durationMs Nullable(Int64), keysExamined Nullable(Int64), docsExamined Nullable(Int64),
--     nreturned Nullable(Int64), nMatched Nullable(Int64), nModified Nullable(Int64),
--     ninserted Nullable(Int64), ndeleted Nullable(Int64), numYields Nullable(Int64),
--     reslen Nullable(Int64), writeConflicts Nullable(Int64), planningTimeMicros Nullable(Int64),
--     cpuNanos Nullable(Int64), workingMillis Nullable(Int64), lockWaitMicros Nullable(Int64),
--     lockHeldMicros Nullable(Int64), storageBytesRead Nullable(Int64),
--     storageTimeReadingMicros Nullable(Int64), queryHash Nullable(String),
--     planCacheShapeHash Nullable(String), planCacheKey Nullable(String),
--     queryShapeHash Nullable(String), queryFramework Nullable(String), appName Nullable(String),
--     remote Nullable(String), protocol Nullable(String), hasSortStage Nullable(Bool),
--     usedDisk Nullable(Bool), fromMultiPlanner Nullable(Bool), replanned Nullable(Bool),
--     truncated Nullable(Bool), errName Nullable(String), errCode Nullable(Int64), role Nullable(String),
--     uptime Nullable(Float64), pid Nullable(Int64), process Nullable(String), uid Nullable(Int64),
--     totalVmKB Nullable(Int64), anonRssKB Nullable(Int64), fileRssKB Nullable(Int64),
--     shmemRssKB Nullable(Int64), pgtablesKB Nullable(Int64), oomScoreAdj Nullable(Int64),
--     constraint Nullable(String), oomMemcg Nullable(String), taskMemcg Nullable(String),
--     containerId Nullable(String), podUid Nullable(String), memcgUsageKB Nullable(Int64),
--     memcgLimitKB Nullable(Int64), memcgFailcnt Nullable(Int64), invoker Nullable(String),
--     gfpMask Nullable(String), order Nullable(Int64), kernelVersion Nullable(String),
--     reaper Nullable(String), largestTasks Array(Tuple(pid Int64, name String, rssKB Int64)),
--     transport Nullable(String), timeSource Nullable(String), invokerPid Nullable(Int64),
--     invokerOomScoreAdj Nullable(Int64), nodemask Nullable(String), cpuset Nullable(String),
--     memsAllowed Nullable(String), constraintInferred Nullable(Bool), containerRuntime Nullable(String),
--     swapUsageKB Nullable(Int64), swapLimitKB Nullable(Int64), memswUsageKB Nullable(Int64),
--     memswLimitKB Nullable(Int64), kmemUsageKB Nullable(Int64), usageRatio Nullable(Float64),
--     chosenPid Nullable(Int64), chosenProcess Nullable(String), score Nullable(Int64),
--     oomGroup Nullable(String), headerSeen Nullable(Bool), killLineSeen Nullable(Bool),
--     restartJob Nullable(String), restartDelayMs Nullable(Int64),
--     kind Nullable(String), replicaSet Nullable(String), newState Nullable(String), oldState Nullable(String)
-- ) ENGINE = MergeTree ORDER BY (event, file, ifNull(line, 0));
