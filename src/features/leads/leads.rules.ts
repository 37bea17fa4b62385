/** Pure lead decisions (SPEC §4): no database, no HTTP. */

export const leadKey = (id: number) => `L-${id}`;

/** "L-17" or "l17" typed into a search box: that lead's id; anything else null. */
export function parseLeadKey(q: string): number | null {
  const m = /^\s*L-?(\d{1,12})\s*$/i.exec(q);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export interface StatusFacts {
  id: number;
  is_final: number;
  is_conversion_target: number;
}

/** Why a lead may not enter `to` by a move or a form, or null: conversion is the one way into the target. */
export function statusRefusal(to: StatusFacts, converted: boolean): string | null {
  if (converted) return 'This lead was converted; its status stays Converted.';
  if (to.is_conversion_target) return 'Use Convert to turn a lead into a customer: it moves the lead to this status.';
  return null;
}
