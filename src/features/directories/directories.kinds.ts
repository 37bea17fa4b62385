/** The admin-editable lists (SPEC §3 Directories): URL slug → table and labels. */
export const DIRECTORY_KINDS = {
  industries: { table: 'industries', label: 'Industries', singular: 'industry' },
  'company-sizes': { table: 'company_sizes', label: 'Company sizes', singular: 'company size' },
  'lead-sources': { table: 'lead_sources', label: 'Lead sources', singular: 'lead source' },
  products: { table: 'products', label: 'Products', singular: 'product' },
  campaigns: { table: 'campaigns', label: 'Campaigns', singular: 'campaign' },
  'lost-reasons': { table: 'lost_reasons', label: 'Lost reasons', singular: 'lost reason' },
} as const;

export type DirectoryKind = keyof typeof DIRECTORY_KINDS;
export type DirectoryTable = (typeof DIRECTORY_KINDS)[DirectoryKind]['table'];

export function isDirectoryKind(kind: string): kind is DirectoryKind {
  return Object.hasOwn(DIRECTORY_KINDS, kind);
}

/**
 * Where each directory is used: table and column of the records pointing at it. Later features
 * (leads, deals) add their references here so "in use" stays one check.
 */
export const DIRECTORY_USAGE: Record<DirectoryTable, { table: string; column: string; noun: string }[]> = {
  industries: [{ table: 'companies', column: 'industry_id', noun: 'company' }],
  company_sizes: [{ table: 'companies', column: 'size_id', noun: 'company' }],
  lead_sources: [],
  products: [],
  campaigns: [],
  lost_reasons: [{ table: 'deals', column: 'lost_reason_id', noun: 'deal' }],
};
