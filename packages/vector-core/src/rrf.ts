import type { RowData } from "@dataflow/kernel/plugin";

export interface FusionWeights {
  readonly vector: number;
  readonly text: number;
}

/**
 * Reciprocal rank fusion: score = wv / (rrfK + vectorRank) + wt / (rrfK + textRank), ranks from 1;
 * a row missing from one list gets no term for it. Ties keep the vector order, then the text order.
 */
export function reciprocalRankFusion(
  vectorRows: readonly RowData[],
  textRows: readonly RowData[],
  key: string,
  weights: FusionWeights,
  rrfK: number,
  limit: number,
): RowData[] {
  const fused = new Map<unknown, { row: RowData; score: number; order: number }>();
  const keyOf = (row: RowData) => (typeof row[key] === "bigint" ? String(row[key]) : row[key]);
  vectorRows.forEach((row, i) => {
    fused.set(keyOf(row), { row: { ...row, textScore: null, textRank: null, vectorRank: i + 1 }, score: weights.vector / (rrfK + i + 1), order: i });
  });
  textRows.forEach((row, i) => {
    const k = keyOf(row);
    const term = weights.text / (rrfK + i + 1);
    const seen = fused.get(k);
    if (seen) {
      seen.row.textScore = row.textScore;
      seen.row.textRank = i + 1;
      seen.score += term;
    } else {
      fused.set(k, { row: { ...row, distance: null, vectorRank: null, textRank: i + 1 }, score: term, order: vectorRows.length + i });
    }
  });
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, limit)
    .map(({ row, score }) => ({ ...row, score }));
}
