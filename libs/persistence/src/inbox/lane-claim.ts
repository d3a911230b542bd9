/** How one inbox table names what a lane claim needs (columns or SQL expressions over the table's own columns). */
export interface InboxTable {
  /** Schema-qualified. */
  readonly table: string;
  readonly id: string;
  /** The conversation: every row of a lane goes to one replica at a time, in order. */
  readonly lane: string;
  /** When the row's change was written, by the platform's clock: the lane's order. */
  readonly writtenAt: string;
  /** Breaks ties of writtenAt: one expression, or several separated by commas. */
  readonly tieBreak: string;
  /** True for a row still to be handed over. */
  readonly waiting: string;
  /** What the claim answers of each row it claimed. */
  readonly returning: string;
}

/**
 * The claim of a LaneDrainer source (ADR 0042, 0043), one statement for any inbox with `received_at` and
 * `claimed_until` columns. Parameters: $1 how many lanes, $2 lanes this replica has in hand (text[]), $3 rows per lane,
 * $4 lease in seconds, $5 order window in milliseconds.
 *
 * Lanes with no row claimed or held back anywhere, the longest waiting first. Each comes with its rows in the order
 * they were written up to, not including, the first that has not waited the order window since it arrived: a row the
 * platform sent late holds back what was written after it until it has waited too, so that siblings arriving a moment
 * later still go before what followed them. SKIP LOCKED: two replicas claiming at once never take the same row.
 */
export function laneClaimSql(t: InboxTable): string {
  return `WITH pending AS (
       SELECT ${t.id} AS id, ${t.lane} AS lane, received_at, claimed_until, ${t.writtenAt} AS at, ROW(${t.tieBreak}) AS tie FROM ${t.table}
       WHERE ${t.waiting} AND NOT (${t.lane} = ANY($2::text[]))),
     lanes AS (
       SELECT lane, min(received_at) AS first_at, COALESCE(bool_or(claimed_until >= now()), false) AS held,
              COALESCE(min(at) FILTER (WHERE received_at > now() - ($5::int * interval '1 millisecond')), 'infinity') AS bar
       FROM pending GROUP BY lane),
     free AS (
       SELECT l.lane, l.bar FROM lanes l
       WHERE NOT l.held AND EXISTS (SELECT 1 FROM pending p WHERE p.lane = l.lane AND p.at < l.bar)
       ORDER BY l.first_at LIMIT $1),
     picked AS (
       SELECT id FROM (
         SELECT p.id, row_number() OVER (PARTITION BY p.lane ORDER BY p.at, p.tie) AS n
         FROM pending p JOIN free f USING (lane) WHERE p.at < f.bar) ranked
       WHERE n <= $3)
     UPDATE ${t.table} SET claimed_until = now() + make_interval(secs => $4)
     WHERE ${t.id} IN (SELECT ${t.id} FROM ${t.table} WHERE ${t.id} IN (SELECT id FROM picked) FOR UPDATE SKIP LOCKED)
     RETURNING ${t.returning}`;
}

/** Extends the claim on the lanes a replica has in hand: $1 the lanes (text[]), $2 the lease in seconds. */
export function laneRenewSql(t: InboxTable): string {
  return `UPDATE ${t.table} SET claimed_until = now() + make_interval(secs => $2)
     WHERE ${t.lane} = ANY($1::text[]) AND ${t.waiting} AND claimed_until >= now()`;
}
