// Fastify plugin serving drift reports: GET /v1/reports (list), /v1/reports/:id (JSON), /v1/reports/:id.html (page).
import { reportsPluginFor } from '../reports/routes';
import { listDriftReports, readDriftReport, readDriftReportHtml } from './report/store';

export type { ReportsPluginOptions, ReportsRouteGuard } from '../reports/routes';

/** Reports are read from reports/drift/ in the store it is given. */
export const reportsPlugin = reportsPluginFor({ name: 'drift', base: '/v1/reports', list: listDriftReports, read: readDriftReport, readHtml: readDriftReportHtml });
