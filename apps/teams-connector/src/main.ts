import './instrument';
import 'reflect-metadata';
import { teamsConnectorService } from '@parley/teams-connector-feature';
import { runService } from '@parley/service-runtime';

void runService(teamsConnectorService);
