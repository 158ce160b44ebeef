// Fastify plugin serving model-quality reports beside the drift reports: GET /v1/reports/quality[/<id>[.html]].
import { reportsPluginFor } from '../reports/routes';
import { listQualityReports, readQualityReport, readQualityReportHtml } from './report';

/** Reports are read from reports/model-quality/ in the store it is given; they hold aggregates, never rows. */
export const qualityReportsPlugin = reportsPluginFor({
  name: 'model-quality',
  base: '/v1/reports/quality',
  list: listQualityReports,
  read: readQualityReport,
  readHtml: readQualityReportHtml,
});
