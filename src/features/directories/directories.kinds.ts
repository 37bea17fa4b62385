/**
 * The admin-editable lists (SPEC §3 Directories): URL slug → table and labels, and which forms
 * pick from each (`usedBy`; empty until the feature that uses the list exists — the page says so).
 */
export const DIRECTORY_KINDS = {
  industries: { table: 'industries', label: 'Industries', singular: 'industry', usedBy: 'Companies pick an industry.' },
  'company-sizes': { table: 'company_sizes', label: 'Company sizes', singular: 'company size', usedBy: 'Companies pick a size.' },
  'lead-sources': { table: 'lead_sources', label: 'Lead sources', singular: 'lead source', usedBy: 'Leads say where they came from.' },
  products: { table: 'products', label: 'Products', singular: 'product', usedBy: 'Leads name the product they are interested in.' },
  campaigns: { table: 'campaigns', label: 'Campaigns', singular: 'campaign', usedBy: 'Leads name the campaign that brought them in.' },
  'lost-reasons': { table: 'lost_reasons', label: 'Lost reasons', singular: 'lost reason', usedBy: 'Asked when a deal is marked lost.' },
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
  lead_sources: [{ table: 'leads', column: 'lead_source_id', noun: 'lead' }],
  products: [{ table: 'leads', column: 'product_id', noun: 'lead' }],
  campaigns: [{ table: 'leads', column: 'campaign_id', noun: 'lead' }],
  lost_reasons: [{ table: 'deals', column: 'lost_reason_id', noun: 'deal' }],
};
