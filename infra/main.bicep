// JourneyOrchestrator on Azure: the .NET isolated Function app (functions/FunctionApp: the journey orchestrator and
// activities on Durable Functions) on Flex Consumption, Azure Storage (task hub and product data) with shared keys off and
// managed identity, Application Insights, Key Vault for the secrets (SendGrid key, erasure and unsubscribe keys), and a
// Service Bus topic for journey milestones (local auth off). Used by `azd up` (azure.yaml).
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to derive resource names.')
param environmentName string

@description('Azure region for all resources.')
param location string = resourceGroup().location

@description('Most instances Flex Consumption may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance in MB (Flex Consumption sizes).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Object id of the deploying user or group (azd: AZURE_PRINCIPAL_ID): may manage Key Vault secrets and write the deployment package. Empty to skip.')
param deployerPrincipalId string = ''

@description('Public base address of the app for unsubscribe links; empty: https://<function app name>.azurewebsites.net.')
param publicBaseUrl string = ''

@description('Prefix of the product data tables and container (1-24 lowercase letters and digits). Set once.')
@minLength(1)
@maxLength(24)
param namePrefix string = 'journeys'

@secure()
@description('Seed of the admin API key; main.parameters.json lets azd generate it once and read it back from Key Vault (admin-api-key-seed).')
param adminKeySeed string

@secure()
@description('Seed of the unsubscribe-link signing key; generated once by azd like the admin key.')
param unsubscribeSeed string

@description('E-mail provider: Dev (no real sending) or SendGrid (the key is read from Key Vault secret sendgrid-api-key).')
@allowed([
  'Dev'
  'SendGrid'
])
param emailProvider string = 'Dev'

@description('Durable Functions task hub name (JOURNEYS_TASKHUB, read by host.json): 3-45 letters and digits, starting with a letter. A new name starts an empty hub.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'JourneysHub'

@description('.NET version of the dotnet-isolated runtime on Flex Consumption; the app targets net10.0 (docs/azure-deployment.md, "Not verified here").')
@allowed([
  '10.0'
])
param dotnetVersion string = '10.0'

@description('How long finished journeys are kept before the housekeeping timer purges them (ISO 8601, at least P1D).')
param finishedJourneyRetention string = 'P90D'

@description('Service Bus topic of the journey milestones.')
param milestonesTopic string = 'journey-milestones'
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
  application: 'journey-orchestrator'
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-journeys-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'stjourneys${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-journeys-${resourceToken}'
    applicationInsightsName: 'appi-journeys-${resourceToken}'
    location: location
    tags: tags
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-jo-${resourceToken}'
    location: location
    tags: tags
    adminKeySeed: adminKeySeed
    unsubscribeSeed: unsubscribeSeed
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: 'sb-journeys-${resourceToken}'
    location: location
    tags: tags
    topicName: milestonesTopic
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: 'plan-journeys-${resourceToken}'
    appName: 'func-journeys-${resourceToken}'
    location: location
    tags: union(tags, { 'azd-service-name': 'functionapp' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}app-package'
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: vault.outputs.name
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    emailProvider: emailProvider
    publicBaseUrl: publicBaseUrl
    namePrefix: namePrefix
    taskHubName: taskHubName
    dotnetVersion: dotnetVersion
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    milestonesTopic: serviceBus.outputs.topicName
    finishedJourneyRetention: finishedJourneyRetention
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: vault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    serviceBusNamespaceName: serviceBus.outputs.name
    milestonesTopicName: serviceBus.outputs.topicName
    deployerPrincipalId: deployerPrincipalId
  }
}

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_FUNCTIONAPP_URI string = functionApp.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_KEY_VAULT_URI string = vault.outputs.uri
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_SERVICEBUS_TOPIC string = serviceBus.outputs.topicName
