// Which matched rules decided a request and which only ride along. CRS scores a request with its
// detection rules (920xxx–944xxx, 950xxx–956xxx …) and then blocks in the evaluation rules (949110 /
// 949111 inbound, 959100 outbound) once the score passes the threshold; the initialisation (901xxx),
// the correlation/reporting (980xxx) and the evaluation rules carry no detection of their own.
// Excluding one of them never fixes a false positive (the scoring rule keeps scoring): the events view
// sets them apart and the tuning suggestions never propose them.

/** Rule id ranges that only keep books (initialisation, blocking evaluation, correlation). */
const BOOKKEEPING_RANGES: readonly (readonly [number, number])[] = [
  [901000, 901999], // initialisation (setvar of thresholds, paranoia levels)
  [949000, 949999], // inbound blocking evaluation (949110 "Inbound Anomaly Score Exceeded")
  [959000, 959999], // outbound blocking evaluation (959100)
  [980000, 980999], // correlation / reporting (980130, 980140)
];

/** True for a rule that scored or decided nothing by itself (see the file's first comment). */
export function isBookkeepingRule(ruleId: number): boolean {
  return BOOKKEEPING_RANGES.some(([lo, hi]) => ruleId >= lo && ruleId <= hi);
}

/** True for a rule whose match is a detection: what an exclusion can target. */
export function isScoringRule(ruleId: number): boolean {
  return !isBookkeepingRule(ruleId);
}
