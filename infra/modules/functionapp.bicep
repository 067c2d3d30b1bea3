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

@description('Prefix of the runtime store\'s tables, queues and container.')
param namePrefix string

@description('The runtime store\'s control queues, in partition order (one functions/control-NN folder each).')
param controlQueueNames array
param workItemQueueName string

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
  // The Functions host's own storage (timer leases, queue listener state), through the managed identity (no shared keys).
  { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  // The queue triggers' connection ("connection": "JourneysStorage" in functions/*/function.json): the runtime store's account.
  { name: 'JourneysStorage__accountName', value: storageAccountName }
  { name: 'JourneysStorage__credential', value: 'managedidentity' }
  { name: 'JourneysStorage__clientId', value: identityClientId }
  // The queues the triggers listen on ("queueName": "%JOURNEYS_..._QUEUE...%"): the store's doorbell queues.
  { name: 'JOURNEYS_CONTROL_QUEUE_00', value: controlQueueNames[0] }
  { name: 'JOURNEYS_CONTROL_QUEUE_01', value: controlQueueNames[1] }
  { name: 'JOURNEYS_CONTROL_QUEUE_02', value: controlQueueNames[2] }
  { name: 'JOURNEYS_CONTROL_QUEUE_03', value: controlQueueNames[3] }
  { name: 'JOURNEYS_WORKITEM_QUEUE', value: workItemQueueName }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
  { name: 'ASPNETCORE_ENVIRONMENT', value: 'Production' }
  // JourneyOrchestrator: the runtime store and the product data (templates, customers, tasks, touchpoints, delivery
  // ledger) on Azure Tables + Queues + Blobs through the same identity, shared by every instance.
  { name: 'Journeys__Storage__Provider', value: 'AzureStorage' }
  { name: 'Journeys__Storage__AzureStorage__AccountName', value: storageAccountName }
  { name: 'Journeys__Storage__AzureStorage__ManagedIdentityClientId', value: identityClientId }
  { name: 'Journeys__Storage__AzureStorage__NamePrefix', value: namePrefix }
  { name: 'Journeys__Storage__AzureStorage__PartitionCount', value: string(length(controlQueueNames)) }
  { name: 'Journeys__ApiKeys__0__Key', value: secret.adminApiKey }
  { name: 'Journeys__ApiKeys__0__Role', value: 'admin' }
  { name: 'Journeys__Email__Provider', value: emailProvider }
  { name: 'Journeys__Email__Unsubscribe__BaseUrl', value: baseUrl }
  { name: 'Journeys__Email__Unsubscribe__SigningKey', value: secret.unsubscribeSigningKey }
  { name: 'Journeys__Erasure__HashKey', value: secret.erasureHashKey }
  // Every request reaches the custom handler from the Functions host on the loopback: the lockout after failed API keys
  // counts per client address as the front end appended it (docs/security.md, "Hardening").
  { name: 'Journeys__RateLimits__ClientAddressHeader', value: 'X-Forwarded-For' }
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
        // A custom handler: host.json points at the published, self-contained JourneyOrchestrator.Host executable.
        name: 'custom'
        version: '1.0'
      }
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
