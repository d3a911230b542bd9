// First import of main: OpenTelemetry must hook http, express, pg and redis before they are loaded (ADR 0025).
// Without OTEL_EXPORTER_OTLP_ENDPOINT this loads nothing and starts nothing.
import { startTracing } from '@parley/observability';

startTracing({ service: 'relay' });
