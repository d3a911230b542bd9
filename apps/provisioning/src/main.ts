import './instrument';
import 'reflect-metadata';
import { provisioningService } from '@parley/provisioning-feature';
import { runService } from '@parley/service-runtime';

void runService(provisioningService);
