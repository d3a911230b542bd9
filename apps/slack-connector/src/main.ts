import './instrument';
import 'reflect-metadata';
import { slackConnectorService } from '@parley/slack-connector-feature';
import { runService } from '@parley/service-runtime';

void runService(slackConnectorService);
