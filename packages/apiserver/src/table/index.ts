// Server-side printing (meta.k8s.io/v1 Table) of the served resources.
export { printerFor, toTable } from './table';
export type { ToTableOptions } from './table';
export { humanDuration } from './format';
export type { IncludeObject, Printer, Table, TableCell, TableColumnDefinition, TableListMeta, TableRow, TableRowCondition } from './types';
