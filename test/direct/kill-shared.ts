/**
 * Data shared by the kill test and its child process: data IDs and the exact content of each dataset.
 */

/** Data IDs the child writes, in order. */
export function killTestDataIds(): { instrument: string; visit: number; detector: number }[] {
  const out = []
  for (let visit = 1; visit <= 100; visit++) {
    for (let detector = 0; detector < 10; detector++) out.push({ instrument: 'KillCam', visit, detector })
  }
  return out
}

/** The dict stored for a data ID. */
export function expectedDict(dataId: { visit: number; detector: number }): Record<string, unknown> {
  return {
    visit: dataId.visit,
    detector: dataId.detector,
    label: `v${dataId.visit}-d${dataId.detector}`,
    values: Array.from(
      { length: 50 + (dataId.visit % 7) * 40 },
      (_, k) => k * dataId.detector + dataId.visit,
    ),
  }
}

/** The float64 array stored for a data ID (tens of kilobytes, so writes take a while). */
export function expectedArray(dataId: { visit: number; detector: number }): Float64Array {
  const a = new Float64Array(4096 + dataId.detector * 512)
  for (let k = 0; k < a.length; k++) a[k] = dataId.visit * 1e6 + dataId.detector * 1e3 + k
  return a
}
