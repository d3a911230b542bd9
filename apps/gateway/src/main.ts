import './instrument';
import 'reflect-metadata';
import { gatewayService } from '@parley/gateway-feature';
import { runService } from '@parley/service-runtime';

void runService(gatewayService);
