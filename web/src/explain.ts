// Turn an explanation into runs of the original text to colour.
//
// A word's weight is how much the predicted label's probability drops when
// the word is left out, so its sign is relative to that label: a word that
// supports a negative verdict pushes towards negative. Tones here are
// absolute: "positive" is green and "negative" red whatever the label.

import type { Label, WordWeight } from "./types";

export type Tone = "positive" | "negative" | "neutral";

export interface Segment {
  text: string;
  tone?: Tone;
  /** 0..1, the weight's size against the largest one in the text. */
  strength?: number;
  weight?: number;
}

// Below this share of the strongest word a word is left uncoloured.
const FAINT = 0.08;

export function toneOf(weight: number, label: Label): Tone | undefined {
  if (weight === 0) return undefined;
  if (label === "neutral") return weight > 0 ? "neutral" : undefined;

  const towardsLabel = weight > 0;
  const positive = label === "positive" ? towardsLabel : !towardsLabel;
  return positive ? "positive" : "negative";
}

/** `text` cut into the explained words (in order) and the gaps between them. */
export function segments(text: string, words: readonly WordWeight[], label: Label): Segment[] {
  const strongest = Math.max(0, ...words.map((word) => Math.abs(word.weight)));
  const result: Segment[] = [];
  let position = 0;

  for (const word of words) {
    const start = text.indexOf(word.token, position);
    if (start < 0 || !word.token) continue;
    if (start > position) result.push({ text: text.slice(position, start) });

    const strength = strongest > 0 ? Math.abs(word.weight) / strongest : 0;
    const tone = strength >= FAINT ? toneOf(word.weight, label) : undefined;
    result.push({ text: word.token, tone, strength, weight: word.weight });
    position = start + word.token.length;
  }
  if (position < text.length) result.push({ text: text.slice(position) });

  return result;
}
