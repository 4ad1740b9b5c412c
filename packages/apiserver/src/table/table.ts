// Server-side printing: objects of a resource as a meta.k8s.io/v1 Table, with the columns
// kube-apiserver's printers give that resource (kubectl get prints what it receives). Resources
// without a printer get the default table convertor's Name and Created At.
import { apiVersionOf } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { createdAtColumn, nameColumn } from './columns';
import { CORE_PRINTERS } from './core';
import { rfc3339 } from './format';
import { OTHER_PRINTERS } from './other';
import { podPrinter } from './pod';
import type { IncludeObject, Printer, Table, TableListMeta, TableRow } from './types';
import { WORKLOAD_PRINTERS } from './workloads';

const PRINTERS: Readonly<Record<string, Printer>> = { '/pods': podPrinter, ...CORE_PRINTERS, ...WORKLOAD_PRINTERS, ...OTHER_PRINTERS };

/** k8s.io/apiserver's defaultTableConvertor. */
const defaultPrinter: Printer = {
  columns: [nameColumn(), createdAtColumn()],
  row: (obj: KubeObject) => ({ cells: [obj.metadata?.name ?? '', rfc3339(obj.metadata?.creationTimestamp)] }),
};

/** The printer of a resource (its own, else the default convertor's). */
export function printerFor(resource: Pick<ResourceInfo, 'group' | 'resource'>): Printer {
  return PRINTERS[`${resource.group}/${resource.resource}`] ?? defaultPrinter;
}

export interface ToTableOptions {
  /** What each row carries: the object, its metadata as PartialObjectMetadata, or nothing. */
  includeObject: IncludeObject;
  /** The time ages are computed against. */
  now: Date;
  /** The list's resourceVersion / continue, copied into the table's metadata. */
  metadata?: TableListMeta;
}

function rowObject(resource: ResourceInfo, obj: KubeObject, include: IncludeObject): unknown {
  switch (include) {
    case 'None':
      return null;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
    case 'Object':
      // Objects leave the server with their type meta, as an encoder sets it.
      return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(resource), kind: obj.kind ?? resource.kind };
  }
}

/** The Table kube-apiserver answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` with. */
export function toTable(resource: ResourceInfo, objects: readonly KubeObject[], opts: ToTableOptions): Table {
  const printer = printerFor(resource);
  const rows: TableRow[] = objects.map((obj) => {
    const printed = printer.row(obj, opts.now);
    const row: TableRow = { cells: printed.cells, object: rowObject(resource, obj, opts.includeObject) };
    if (printed.conditions !== undefined) row.conditions = printed.conditions;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...(opts.metadata ?? {}) },
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
