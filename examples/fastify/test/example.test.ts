import { usersApiSuite } from '../../shared/src/api-suite.js'
import { startApp } from '../src/app.js'

usersApiSuite('Fastify', startApp)
