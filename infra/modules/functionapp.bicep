param planName string
param appName string
param location string
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
param identityClientId string
param storageAccountName string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string
param applicationInsightsConnectionString string
param keyVaultName string
param maximumInstanceCount int
param instanceMemoryMB int
param emailProvider string

@description('Public base address of the app (unsubscribe links); empty: https://<app name>.azurewebsites.net.')
param publicBaseUrl string

@description('Prefix of the product data tables and container (Journeys__Storage__AzureStorage__NamePrefix).')
param namePrefix string

@description('Durable Functions task hub (host.json hubName: %JOURNEYS_TASKHUB%).')
param taskHubName string

@description('.NET version of the dotnet-isolated runtime (the app targets net10.0).')
param dotnetVersion string

@description('Fully qualified Service Bus namespace the milestones are published to.')
param serviceBusNamespace string

@description('Service Bus topic of the journey milestones.')
param milestonesTopic string

@description('How long finished journeys are kept before the housekeeping timer purges them (ISO 8601).')
param finishedJourneyRetention string

var baseUrl = empty(publicBaseUrl) ? 'https://${appName}.azurewebsites.net' : publicBaseUrl

// Key Vault references resolve through the app's identity (keyVaultReferenceIdentity).
var secret = {
  adminApiKey: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=admin-api-key)'
  unsubscribeSigningKey: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=unsubscribe-signing-key)'
  erasureHashKey: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=erasure-hash-key)'
  sendGridApiKey: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=sendgrid-api-key)'
  sendGridWebhookPublicKey: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=sendgrid-webhook-public-key)'
}

var baseSettings = [
  // The Functions host's storage, which the Durable extension's task hub (Azure Storage provider) uses too: through the
  // managed identity, no shared keys (roles.bicep: blob owner, queue and table data contributor).
  { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'JOURNEYS_TASKHUB', value: taskHubName }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
  { name: 'AZURE_FUNCTIONS_ENVIRONMENT', value: 'Production' }
  // JourneyOrchestrator: the product data (templates, customers, tasks, touchpoints, delivery ledger) on Azure Tables
  // through the same identity, shared by every instance.
  { name: 'Journeys__Storage__AzureStorage__AccountName', value: storageAccountName }
  { name: 'Journeys__Storage__AzureStorage__ManagedIdentityClientId', value: identityClientId }
  { name: 'Journeys__Storage__AzureStorage__NamePrefix', value: namePrefix }
  { name: 'Journeys__Email__Provider', value: emailProvider }
  { name: 'Journeys__Email__Unsubscribe__BaseUrl', value: baseUrl }
  { name: 'Journeys__Email__Unsubscribe__SigningKey', value: secret.unsubscribeSigningKey }
  { name: 'Journeys__Erasure__HashKey', value: secret.erasureHashKey }
  { name: 'Journeys__Retention__FinishedJourneys', value: finishedJourneyRetention }
  // Journey milestones to Service Bus, identity-based (the namespace has local auth off; roles.bicep: Data Sender).
  { name: 'Journeys__Milestones__ServiceBus__FullyQualifiedNamespace', value: serviceBusNamespace }
  { name: 'Journeys__Milestones__ServiceBus__Topic', value: milestonesTopic }
  { name: 'Journeys__Milestones__ServiceBus__ManagedIdentityClientId', value: identityClientId }
  // The API's admin key, for the HTTP triggers (not in the app yet: docs/azure-deployment.md).
  { name: 'Journeys__ApiKeys__0__Key', value: secret.adminApiKey }
  { name: 'Journeys__ApiKeys__0__Role', value: 'admin' }
]

// SendGrid's key and webhook key only when SendGrid sends: set both secrets before choosing it (docs/azure-deployment.md).
var sendGridSettings = emailProvider == 'SendGrid' ? [
  { name: 'Journeys__Email__SendGrid__ApiKey', value: secret.sendGridApiKey }
  { name: 'Journeys__Email__SendGrid__WebhookPublicKey', value: secret.sendGridWebhookPublicKey }
] : []

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: concat(baseSettings, sendGridSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        // The .NET isolated worker (functions/FunctionApp). Flex Consumption takes the runtime here, not from
        // FUNCTIONS_WORKER_RUNTIME (which it refuses as an app setting).
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
