namespace ShadowProxy.Storage.Redis;

/// <summary>
/// The Lua scripts of the Redis store. Each runs atomically on the server, so that a bound, a version
/// check or an audit append holds across every instance of the fleet. Keys are built from the prefix
/// inside the scripts: a single Redis (with replicas and Sentinel if wanted), not Redis Cluster.
/// </summary>
internal static class RedisScripts
{
    /// <summary>Appends an audit entry (ARGV json) and trims the log to its bound; both indexes stay in step.</summary>
    private const string AppendAudit = """
        local function append_audit(prefix, migration, json, max)
          local id = redis.call('INCR', prefix .. 'audit:seq')
          redis.call('HSET', prefix .. 'audit', id, json)
          redis.call('ZADD', prefix .. 'audit:ids', id, id)
          redis.call('ZADD', prefix .. 'audit:ids:' .. migration, id, id)
          local excess = redis.call('ZCARD', prefix .. 'audit:ids') - max
          if excess > 0 then
            local old = redis.call('ZRANGE', prefix .. 'audit:ids', 0, excess - 1)
            for _, oid in ipairs(old) do
              local entry = redis.call('HGET', prefix .. 'audit', oid)
              if entry then
                redis.call('ZREM', prefix .. 'audit:ids:' .. cjson.decode(entry)['migration'], oid)
              end
              redis.call('HDEL', prefix .. 'audit', oid)
            end
            redis.call('ZREMRANGEBYRANK', prefix .. 'audit:ids', 0, excess - 1)
          end
          return id
        end

        """;

    /// <summary>
    /// Saves a ramp state. ARGV: prefix, migration, version, state json, mode, audit json or '', max audit, channel.
    /// Mode 'cas': only over the version just below (or nothing stored); mode 'newer': only over a lower version.
    /// Returns {1} when saved (and published), else {0, stored json}.
    /// </summary>
    public const string SaveState = AppendAudit + """
        local prefix, migration, version = ARGV[1], ARGV[2], tonumber(ARGV[3])
        local key = prefix .. 'state:' .. migration
        local stored = tonumber(redis.call('HGET', key, 'version') or '0')
        local ok
        if ARGV[5] == 'cas' then ok = (stored == 0 or stored == version - 1) else ok = stored < version end
        if not ok then return {0, redis.call('HGET', key, 'json')} end
        redis.call('HSET', key, 'version', version, 'json', ARGV[4])
        redis.call('SADD', prefix .. 'states', migration)
        if ARGV[6] ~= '' then append_audit(prefix, migration, ARGV[6], tonumber(ARGV[7])) end
        redis.call('PUBLISH', ARGV[8], ARGV[4])
        return {1}
        """;

    /// <summary>
    /// Adds (ARGV[3] = 'add') or removes a noise mark and audits it. ARGV: prefix, migration, op, field,
    /// mark json, audit json, max audit, channel. Returns 1 when changed, 0 when it was already so.
    /// </summary>
    public const string ChangeNoise = AppendAudit + """
        local prefix, migration = ARGV[1], ARGV[2]
        local key = prefix .. 'noise:' .. migration
        local changed
        if ARGV[3] == 'add' then changed = redis.call('HSETNX', key, ARGV[4], ARGV[5]) else changed = redis.call('HDEL', key, ARGV[4]) end
        if changed == 0 then return 0 end
        append_audit(prefix, migration, ARGV[6], tonumber(ARGV[7]))
        redis.call('PUBLISH', ARGV[8], migration)
        return 1
        """;

    /// <summary>
    /// Writes one migration's part of a diff batch (folded by DiffBatch) within the StorageLimits, as the
    /// SQLite writer does: endpoints beyond the bound count as "(other)", counters beyond MaxPathsPerMigration
    /// as "(other)", first-N samples per endpoint × path, the oldest samples evicted beyond
    /// MaxSamplesPerMigration. ARGV[1]: the batch as JSON (see RedisStore.Diffs). Returns {stored, evicted}.
    /// </summary>
    public const string WriteDiffs = """
        local b = cjson.decode(ARGV[1])
        local p = b.p
        local epKey, ctKey, spKey, idsKey, shKey, sbKey, rowsKey = p .. 'ep', p .. 'ct', p .. 'sp', p .. 'ids', p .. 'sh', p .. 'sb', p .. 'ctrows'
        local epMap, pathMap, spCache = {}, {}, {}

        local function effective_ep(ep)
          local e = epMap[ep]
          if e then return e end
          if redis.call('HEXISTS', epKey, ep) == 1 then
            e = ep
          else
            local n = redis.call('HLEN', epKey) - redis.call('HEXISTS', epKey, b.o)
            if n >= b.maxEp then e = b.o else e = ep end
          end
          epMap[ep] = e
          return e
        end

        local function coverage(field)
          local v = spCache[field]
          if v == nil then
            v = {}
            local s = redis.call('HGET', spKey, field)
            if s then for id in string.gmatch(s, '[^,]+') do table.insert(v, id) end end
            spCache[field] = v
          end
          return v
        end

        for _, r in ipairs(b.eps) do
          local e = effective_ep(r[1])
          local m, d, n = 0, 0, 0
          local cur = redis.call('HGET', epKey, e)
          if cur then
            local a, c, x = string.match(cur, '(%d+) (%d+) (%d+)')
            m, d, n = tonumber(a), tonumber(c), tonumber(x)
          end
          redis.call('HSET', epKey, e, string.format('%d %d %d', m + r[2], d + r[3], n + r[4]))
        end

        local rows = nil
        for _, r in ipairs(b.cts) do
          local e = effective_ep(r[1])
          local path = r[2]
          local field = e .. '\t' .. path .. '\t' .. r[3]
          local cur = redis.call('HGET', ctKey, field)
          if not cur then
            if rows == nil then rows = tonumber(redis.call('GET', rowsKey) or '0') end
            if rows < b.maxPaths then
              rows = rows + 1
              redis.call('INCR', rowsKey)
            else
              path = b.o
              field = e .. '\t' .. b.o .. '\t' .. b.o
              cur = redis.call('HGET', ctKey, field)
            end
          end
          pathMap[r[1] .. '\t' .. r[2] .. '\t' .. r[3]] = path
          local c, nc, isn, f, l = r[4], r[5], r[6], r[7], r[8]
          if cur then
            local oc, onc, oisn, of, ol = string.match(cur, '(%d+) (%d+) (%d) (%d+) (%d+)')
            oc, onc, oisn, of, ol = tonumber(oc), tonumber(onc), tonumber(oisn), tonumber(of), tonumber(ol)
            if l < ol then isn = oisn end
            c, nc, f, l = c + oc, nc + onc, math.min(f, of), math.max(l, ol)
          end
          redis.call('HSET', ctKey, field, string.format('%d %d %d %d %d', c, nc, isn, f, l))
        end

        local stored = 0
        for _, s in ipairs(b.smp) do
          local e = effective_ep(s[1])
          local lacking, seen = {}, {}
          for _, pk in ipairs(s[2]) do
            local path = pathMap[s[1] .. '\t' .. pk[1] .. '\t' .. pk[2]] or pk[1]
            if not seen[path] then
              seen[path] = true
              if #coverage(e .. '\t' .. path) < b.perPath then table.insert(lacking, path) end
            end
          end
          if #lacking > 0 then
            local id = redis.call('INCR', b.seq)
            redis.call('HSET', shKey, id, cjson.encode({e = e, t = s[3], m = s[4], q = s[5], ls = s[6], cs = s[7], dc = s[8], p = lacking}))
            redis.call('HSET', sbKey, id, s[9])
            redis.call('ZADD', idsKey, id, id)
            for _, path in ipairs(lacking) do
              local cov = coverage(e .. '\t' .. path)
              table.insert(cov, tostring(id))
              redis.call('HSET', spKey, e .. '\t' .. path, table.concat(cov, ','))
            end
            stored = stored + 1
          end
        end

        local evicted = 0
        if stored > 0 then
          local excess = redis.call('ZCARD', idsKey) - b.maxSamples
          if excess > 0 then
            local old = redis.call('ZRANGE', idsKey, 0, excess - 1)
            for _, id in ipairs(old) do
              local h = redis.call('HGET', shKey, id)
              if h then
                local hd = cjson.decode(h)
                for _, path in ipairs(hd.p) do
                  local field = hd.e .. '\t' .. path
                  local cov, kept = coverage(field), {}
                  for _, other in ipairs(cov) do if other ~= id then table.insert(kept, other) end end
                  spCache[field] = kept
                  if #kept == 0 then redis.call('HDEL', spKey, field) else redis.call('HSET', spKey, field, table.concat(kept, ',')) end
                end
              end
              redis.call('HDEL', shKey, id)
              redis.call('HDEL', sbKey, id)
            end
            redis.call('ZREMRANGEBYRANK', idsKey, 0, excess - 1)
            evicted = #old
          end
        end

        for _, k in ipairs({epKey, ctKey, spKey, idsKey, shKey, sbKey, rowsKey}) do
          if redis.call('EXISTS', k) == 1 then redis.call('EXPIRE', k, b.ttl) end
        end
        redis.call('SADD', b.migrations, b.m)
        return {stored, evicted}
        """;

    /// <summary>Takes or renews the decider lease. ARGV: lease key, holder, ttl ms. Returns 1 when held.</summary>
    public const string AcquireLease = """
        local holder = redis.call('GET', ARGV[1])
        if holder == ARGV[2] then redis.call('PEXPIRE', ARGV[1], ARGV[3]) return 1 end
        if holder then return 0 end
        redis.call('SET', ARGV[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    /// <summary>Releases the lease when still held by ARGV[2].</summary>
    public const string ReleaseLease = """
        if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end
        return 0
        """;

    /// <summary>
    /// Publishes one instance's gate window and returns every live instance's. ARGV: index key, item key
    /// prefix, instance, window json, ttl ms, now ms.
    /// </summary>
    public const string ExchangeWindows = """
        local index, prefix, me, ttl, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])
        redis.call('SET', prefix .. me, ARGV[4], 'PX', ttl)
        redis.call('ZADD', index, now + ttl, me)
        redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
        redis.call('PEXPIRE', index, ttl)
        local members = redis.call('ZRANGE', index, 0, -1)
        local result = {}
        for _, m in ipairs(members) do
          if m ~= me then
            local w = redis.call('GET', prefix .. m)
            if w then table.insert(result, w) end
          end
        end
        return result
        """;
    /// <summary>
    /// Adds a batch's per-version counts (docs/comparison.md#candidate-versions) under <c>diff:{m}:</c>: <c>vv</c> (version → "first-ms last-ms
    /// comparisons diffs"), <c>ve</c> (version⇥hour⇥endpoint → comparisons), <c>vc</c> (version⇥hour⇥endpoint⇥path⇥kind
    /// → count), <c>rn</c> (endpoint⇥path → candidate path of a renamed key). Bounded: versions beyond b.maxVersions
    /// count as b.o; new <c>vc</c>/<c>ve</c>/<c>rn</c> fields beyond b.maxRows are not added. ARGV[1]: the batch as JSON.
    /// </summary>
    public const string WriteVersions = """
        local b = cjson.decode(ARGV[1])
        local p = b.p
        local vvKey, veKey, vcKey, rnKey = p .. 'vv', p .. 've', p .. 'vc', p .. 'rn'
        local map = {}
        local function version(v)
          local e = map[v]
          if e then return e end
          if redis.call('HEXISTS', vvKey, v) == 1 or redis.call('HLEN', vvKey) < b.maxVersions then e = v else e = b.o end
          map[v] = e
          return e
        end
        local function add(key, field, n)
          if redis.call('HEXISTS', key, field) == 1 or redis.call('HLEN', key) < b.maxRows then redis.call('HINCRBY', key, field, n) end
        end
        for _, r in ipairs(b.vers) do
          local v = version(r[1])
          local f, l, c, d = r[2], r[3], 0, 0
          local cur = redis.call('HGET', vvKey, v)
          if cur then
            local a, z, x, y = string.match(cur, '(%d+) (%d+) (%d+) (%d+)')
            f, l, c, d = math.min(f, tonumber(a)), math.max(l, tonumber(z)), tonumber(x), tonumber(y)
          end
          redis.call('HSET', vvKey, v, string.format('%d %d %d %d', f, l, c + r[4], d + r[5]))
        end
        for _, r in ipairs(b.eps) do add(veKey, version(r[1]) .. '\t' .. r[2] .. '\t' .. r[3], r[4]) end
        for _, r in ipairs(b.cts) do add(vcKey, version(r[1]) .. '\t' .. r[2] .. '\t' .. r[3] .. '\t' .. r[4] .. '\t' .. r[5], r[6]) end
        for _, r in ipairs(b.rn) do
          if redis.call('HEXISTS', rnKey, r[1]) == 1 or redis.call('HLEN', rnKey) < b.maxRows then redis.call('HSET', rnKey, r[1], r[2]) end
        end
        for _, k in ipairs({vvKey, veKey, vcKey, rnKey}) do redis.call('EXPIRE', k, b.ttl) end
        return 0
        """;

    /// <summary>Declares the candidate's version and audits it. ARGV: prefix, migration, version, audit json, max audit.</summary>
    public const string DeclareVersion = AppendAudit + """
        local prefix, migration = ARGV[1], ARGV[2]
        redis.call('SET', prefix .. 'version:' .. migration, ARGV[3])
        append_audit(prefix, migration, ARGV[4], tonumber(ARGV[5]))
        return 1
        """;
}
