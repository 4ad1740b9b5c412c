// meta.k8s.io/v1 Table, the answer to Accept: application/json;as=Table;v=v1;g=meta.k8s.io, and the
// shape of the per-resource printers that fill it.
import type { KubeObject } from '@kubemu/api';

export interface TableColumnDefinition {
  name: string;
  /** An OpenAPI type: string, integer, number, boolean, date. */
  type: string;
  /** An OpenAPI format ("name" marks the column kubectl uses as the object's name); '' for none. */
  format: string;
  description: string;
  /** 0 for the default columns; kubectl shows priority 1 only with -o wide. */
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** The object (includeObject=Object), its PartialObjectMetadata (Metadata), or null (None). */
  object: unknown;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/** One resource's columns and how to fill a row of them from an object, at a given time. */
export interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  row(obj: KubeObject, now: Date): PrintedRow;
}
