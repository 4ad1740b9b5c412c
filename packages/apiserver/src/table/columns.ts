// Column definitions. kube-apiserver describes most columns with the Go doc (SwaggerDoc) of the field
// they show; those texts are the field descriptions of the OpenAPI definitions.
import { fieldDescription } from '../openapi';
import type { TableColumnDefinition } from './types';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** The description of `field` in definition `def` (short names: core.v1.PodSpec, apps.v1.DeploymentStatus). */
export function doc(def: string, field: string): string {
  const full = def.startsWith('meta.') ? `${META}.${def.slice('meta.'.length)}` : `io.k8s.api.${def}`;
  return fieldDescription(full, field);
}

export function col(name: string, type: string, description: string, opts: { priority?: number; format?: string } = {}): TableColumnDefinition {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

export const nameColumn = (): TableColumnDefinition => col('Name', 'string', doc('meta.ObjectMeta', 'name'), { format: 'name' });
export const ageColumn = (): TableColumnDefinition => col('Age', 'string', doc('meta.ObjectMeta', 'creationTimestamp'));
export const containersColumn = (): TableColumnDefinition => col('Containers', 'string', 'Names of each container in the template.', { priority: 1 });
export const imagesColumn = (): TableColumnDefinition => col('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 });
/** What the default table convertor and the RBAC role printers show instead of an age. */
export const createdAtColumn = (): TableColumnDefinition => col('Created At', 'date', doc('meta.ObjectMeta', 'creationTimestamp'));
